"""The kata's exercises: fill in each TODO, in order from derivatives.py to train.py, then the bonus."""
