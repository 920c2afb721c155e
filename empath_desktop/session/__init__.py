"""The conversation as every front end drives it: turns with ids, stages, persistence and the
one translation of Settings into engine and voice configuration, without Qt."""
