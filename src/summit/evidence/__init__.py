"""What supports a graph: its stability over resamples of the class's images, and its
faithfulness under interventions on the model."""
