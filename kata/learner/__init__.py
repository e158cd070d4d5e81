"""The learner's tools: make check and its views, watch, hints, reveal and reset, the demo,
graph drawing, the notebook and the progress kept in .kata/. They build on kata.core.
"""
