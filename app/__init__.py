"""The application around the model core: window, panels, data, training, CLI."""
