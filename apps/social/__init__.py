"""Social: follows, likes, posts and comments (built in a later issue)."""
