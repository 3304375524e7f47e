"""Control room widgets, one module per pane."""
