"""surveyapp: repeated survey waves, stored safely, compared with the baseline."""

__version__ = "0.1.0"
