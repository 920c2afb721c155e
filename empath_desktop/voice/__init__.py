"""Speech: the eSpeak NG binding, sentence units, the speaker with its mouth timeline, audio sinks."""
