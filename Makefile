# Every target is `python -m kata TARGET`, which works without make too (Windows): the first one
# run builds the environment in .venv. `make help` and `python -m kata help` list them.
PYTHON ?= python3
KATA := @$(PYTHON) -m kata
export KATA_VIA := make

.DEFAULT_GOAL := help
.PHONY: help check check-solutions watch hint reveal reset demo graph lab test typecheck bench mutants release gradescope clean

help:
	$(KATA) help
check:
	$(KATA) check $(EX) $(if $(filter 1,$(ALL)),--all)
check-solutions:
	$(KATA) check-solutions $(EX) $(if $(filter 1,$(ALL)),--all)
watch:
	$(KATA) watch
hint:
	$(KATA) hint $(EX)
reveal:
	$(KATA) reveal $(EX)
reset:
	$(KATA) reset $(EX) $(if $(filter 1,$(YES)),--yes)
demo:
	$(KATA) demo $(if $(IMPL),--impl $(IMPL)) $(if $(DATA),--data $(DATA))
graph:
	$(KATA) graph $(if $(IMPL),--impl $(IMPL))
lab:
	$(KATA) lab
test:
	$(KATA) test
typecheck:
	$(KATA) typecheck
bench:
	$(KATA) bench
mutants:
	$(KATA) mutants
release:
	$(KATA) release
gradescope:
	$(KATA) gradescope
clean:
	$(KATA) clean
