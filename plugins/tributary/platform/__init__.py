"""The platform's own data: what the loaders did (`platform.load_history`)."""
