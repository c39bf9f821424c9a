"""Artifacts: source in, image built in the cluster, deployed, URL out (docs/artifacts.md)."""
