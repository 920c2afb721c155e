"""What is kept on disk for the user: settings and conversations."""
