"""The case machinery everyone shares: the curriculum, the graded cases and their scenario tools,
the reference oracle (PyTorch) and its cache, the judge, running a case in a child process and
in the parent, and the diagnosis of a failing graph. It imports nothing from kata.learner or
kata.grading (see README's maintainer section).
"""
