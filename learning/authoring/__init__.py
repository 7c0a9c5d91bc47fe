"""The program admin's authoring pages: paths, levels, modules, quizzes."""
