"""tracker: a terminal case tracker for government IT projects (政务信息化项目) kept in git."""

__version__ = "0.1.0"
