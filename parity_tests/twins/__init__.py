"""torch.nn twins of the blocks and models in ``numpy_layers.blocks`` / ``numpy_layers.models``,
written with torch.nn only and mirroring torchvision's structure and names."""
