"""CJK text stage: character classes and typography as pure functions over strings."""
