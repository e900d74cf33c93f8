"""Errors in what the user gave Parallax; the CLI prints them as one line and exits 2."""


class UserInputError(Exception):
    """Base of errors in the user's files, options or settings."""


class ConfigError(UserInputError):
    """A settings file, environment variable or option that Parallax cannot use."""


class SourcesError(UserInputError):
    """A sources file that is missing or malformed."""
