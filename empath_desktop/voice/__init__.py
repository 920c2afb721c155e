"""Speech: the eSpeak NG binding, sentence units, the speaker and its mouth timeline, sinks."""
