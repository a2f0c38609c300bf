"""What the app shows of each model: `xmgan/specs/<id>.py` holds its ModelSpec (tab, paper, variants, buttons,
examples, hints) and the few facts the spec is made of (a model's pairs, tasks or speakers), and imports no
torch. The model itself (Config, networks, Pipeline) is `xmgan/models/<id>.py`; `xmgan.registry` explains
why the two are apart. `compare.py` is the Compare tab's spec (a view over every translator).
"""
