"""Pure computation: embeddings, clustering, outlet comparison. No Prefect, no I/O."""
