# Every target is a thin wrapper over one Python command; without make, run that command.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.installed
EXERCISE := $(if $(EX),--exercise $(EX))

.DEFAULT_GOAL := help
.PHONY: help check check-solutions watch hint reveal reset demo graph test typecheck bench release gradescope clean

help: ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

# A fresh clone needs no set-up step: the first target run builds the environment.
$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

check: $(READY) ## Check your exercises against PyTorch (EX=name for one exercise).
	@$(PY) -m kata.check $(EXERCISE)

check-solutions: $(READY) ## The same check on the reference solutions.
	@$(PY) -m kata.check --package solutions $(EXERCISE)

watch: $(READY) ## Check again whenever you save a file in exercises/.
	@$(PY) -m kata.watch

hint: $(READY) ## The next hint for the exercise you are on, one tier at a time.
	@$(PY) -m kata.hints $(EXERCISE)

reveal: $(READY) ## Show the reference solution of EX=name, once your exercise passes.
	@$(PY) -m kata.reveal show $(EX)

reset: $(READY) ## Put back the stub of EX=name, after asking (YES=1: without); yours is kept in .kata/backups/.
	@$(PY) -m kata.reveal reset $(EX) $(if $(filter 1,$(YES)),--yes)

demo: $(READY) ## Train an MLP on two moons with your code (DATA=spiral for the bonus spiral, IMPL=solutions for ours); pictures in demo/.
	@$(PY) -m kata.demo $(if $(IMPL),--impl $(IMPL)) $(if $(DATA),--data $(DATA))

graph: $(READY) ## Draw the graph of a small neuron built with your Value to demo/graph.svg (needs Graphviz).
	@$(PY) -m kata.draw $(if $(IMPL),--impl $(IMPL)) demo/graph.svg

test: $(READY) typecheck ## What CI runs: type check, then every suite.
	$(PY) -m pytest

typecheck: $(READY) ## mypy --strict on all code.
	$(PY) -m mypy $(wildcard exercises solutions kata tests bench grader.py)

bench: $(READY) ## Measure feedback, engine and grading speed (ratios measured in one run).
	$(PY) bench/feedback.py
	$(PY) bench/engine.py
	$(PY) bench/grading.py

release: $(READY) ## Build the student copy in dist/student (no solutions, no hidden cases).
	$(PY) -m kata.release student dist/student

gradescope: $(READY) ## Build the Gradescope autograder, dist/gradescope.zip.
	$(PY) -m kata.release gradescope dist/gradescope.zip

clean: ## Remove the environment and caches (your exercises stay).
	rm -rf $(VENV) .mypy_cache dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
