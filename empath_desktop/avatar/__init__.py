"""The avatar: pose model, presets, animator (pure) and the QPainter widget."""
