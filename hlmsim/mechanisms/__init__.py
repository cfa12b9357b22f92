"""One module per mechanism; :meth:`hlmsim.model.HLMModel.step` calls them in order."""
