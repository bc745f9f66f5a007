"""huozi's version, in a module of its own: the report and the CLI read it without importing the pipeline."""

__version__ = "0.1.0"
