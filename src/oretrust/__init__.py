"""oretrust: a verifiable-credential trust registry for critical-mineral supply chains."""

__version__ = "0.1.0"
