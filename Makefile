# Simulacra: `make run` and `make test` do all the set-up they need.
VENV      := .venv
MODEL     := models/SmolLM2-135M-Instruct.Q8_0.gguf
GODOT     := scripts/godot
LLAMA_SERVER := scripts/llama-server
RUN_ARGS  ?=
# A scenario name (scenarios/<name>.toml) or file; empty: the default, Smallville.
SCENARIO  ?=
PYTEST_ARGS ?=

.PHONY: setup run serve test bench proto clean display

## setup: Python environment, default model, sentence embedder, Godot, llama-server
## (to serve the model over HTTP), and a virtual screen and emoji font for the town's
## visuals (idempotent)
setup: $(VENV)/.installed $(VENV)/.embedder $(MODEL) $(GODOT) $(LLAMA_SERVER) display

$(VENV)/.installed: pyproject.toml scripts/install_python.sh
	bash scripts/install_python.sh

$(VENV)/.embedder: $(VENV)/.installed scripts/install_embedder.sh
	bash scripts/install_embedder.sh

$(MODEL): $(VENV)/.installed scripts/install_model.sh scripts/reencode_model.py
	bash scripts/install_model.sh

$(GODOT): scripts/install_godot.sh scripts/debian_root.sh
	bash scripts/install_godot.sh

$(LLAMA_SERVER): scripts/install_llama_server.sh scripts/debian_root.sh $(GODOT)
	bash scripts/install_llama_server.sh

display:
	@bash scripts/install_display.sh

## run: the agent server and the town (a window with a display, else headless with a live timeline)
run: setup
	$(VENV)/bin/simulacra run $(if $(SCENARIO),--scenario $(SCENARIO)) $(RUN_ARGS)

## serve: the agent server alone
serve: $(VENV)/.installed $(VENV)/.embedder $(MODEL)
	$(VENV)/bin/simulacra serve $(if $(SCENARIO),--scenario $(SCENARIO)) $(RUN_ARGS)

## test: the whole suite, real model and real Godot included
test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

## bench: every benchmark in bench/, each printing JSON into bench/results/ (run it on a
## quiet machine: the figures are timings)
bench: $(VENV)/.installed $(VENV)/.embedder $(MODEL) $(GODOT) $(LLAMA_SERVER)
	@mkdir -p bench/results
	$(VENV)/bin/python bench/retrieval.py > bench/results/retrieval.json
	$(VENV)/bin/python bench/importance.py > bench/results/importance.json
	$(VENV)/bin/python bench/places.py > bench/results/places.json
	$(VENV)/bin/python bench/throughput.py > bench/results/throughput.json
	$(VENV)/bin/python bench/town.py --baseline > bench/results/town.json
	$(VENV)/bin/python bench/believability.py > bench/results/believability.json
	$(VENV)/bin/python bench/scale.py > bench/results/scale.json

## proto: regenerate the Python API package simulacra/ from protos/
proto: $(VENV)/.installed
	$(VENV)/bin/python scripts/gen_proto.py

clean:
	rm -rf $(VENV) .pytest_cache .artifacts $(GODOT) $(LLAMA_SERVER) godot_project/.godot
