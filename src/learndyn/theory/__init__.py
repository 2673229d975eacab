"""Reduced theories, one module per body of work (integrate, ...)."""

from . import integrate as integrate
