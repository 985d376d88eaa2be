"""What the bot does, one module per concern. Each function takes an open database session."""
