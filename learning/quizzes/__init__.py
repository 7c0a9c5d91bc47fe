"""Quizzes: a question bank per module, attempts graded on the server."""
