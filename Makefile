# Every target is `python -m kata TARGET`, which works without make too (Windows): the first one
# run builds the environment in .venv. `make help` and `python -m kata help` list them.
PYTHON ?= python3
# --via make: the commands the kata's messages name are then make targets.
KATA := @$(PYTHON) -m kata --via make

.DEFAULT_GOAL := help
.PHONY: help check watch journey step submit hint reset demo graph lab test clean

help:
	$(KATA) help
check:
	$(KATA) check $(EX) $(if $(filter 1,$(ALL)),--all)
watch:
	$(KATA) watch
journey:
	$(KATA) journey
step:
	$(KATA) step $(if $(CASE),--case $(CASE))
submit:
	$(KATA) submit
hint:
	$(KATA) hint $(EX)
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
clean:
	$(KATA) clean

# Instructors and maintainers. make release cuts the student copy's Makefile here.
.PHONY: check-solutions reveal typecheck bench mutants release gradescope
check-solutions:
	$(KATA) check-solutions $(EX) $(if $(filter 1,$(ALL)),--all)
reveal:
	$(KATA) reveal $(EX)
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
