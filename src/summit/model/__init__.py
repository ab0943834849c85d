"""The network under study: building it (torchvision, a factory, the demo net, shipped
weights), reading its weights file, training the demo net, and tracing it (primary layers,
the hops between them, layer outputs under interventions)."""
