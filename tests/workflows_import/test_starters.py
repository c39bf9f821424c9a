"""Every starter is a valid topology that renders to valid Kubernetes 1.32 objects."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from workflows.graph import validate_graph
from workflows.kinds.podspec import WORKLOAD_KINDS
from workflows.manifests import render_manifests
from workflows.starters import STARTERS, get_starter, list_starters

IDS = sorted(STARTERS)
PUBLIC_IMAGES = {"nginx:1.27", "postgres:16", "redis:7", "python:3.12-slim", "busybox:1.36"}


def starter(starter_id: str) -> dict[str, Any]:
    found = get_starter(starter_id)
    assert found is not None
    return found


def test_there_are_at_least_four_starters_with_unique_ids() -> None:
    assert len(list_starters()) >= 4
    assert [s["id"] for s in list_starters()] == list(STARTERS)


@pytest.mark.parametrize("starter_id", IDS)
def test_starter_is_a_valid_graph(starter_id: str) -> None:
    graph = starter(starter_id)
    assert validate_graph(graph["nodes"], graph["edges"]) == []
    assert graph["name"] and len(graph["description"]) > 40


@pytest.mark.parametrize("starter_id", IDS)
def test_starter_renders_valid_kubernetes(starter_id: str) -> None:
    graph = starter(starter_id)
    objects = render_manifests(graph["nodes"], graph["edges"], workflow_id="1",
                               namespace="default")
    assert len(objects) == len(graph["nodes"])
    for obj in objects:
        kubernetes_validate.validate(obj.manifest, "1.32", strict=True)


@pytest.mark.parametrize("starter_id", IDS)
def test_starter_workloads_use_public_images_and_request_resources(starter_id: str) -> None:
    for node in starter(starter_id)["nodes"]:
        if node["type"] in WORKLOAD_KINDS:
            assert node["data"]["image"] in PUBLIC_IMAGES
            requests = node["data"]["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests)
            assert "memory" in node["data"]["resources"]["limits"]


@pytest.mark.parametrize("starter_id", IDS)
def test_starter_nodes_do_not_overlap_on_the_canvas(starter_id: str) -> None:
    spots = [(n["position"]["x"], n["position"]["y"]) for n in starter(starter_id)["nodes"]]
    assert len(set(spots)) == len(spots)


def test_web_postgres_has_what_its_description_promises() -> None:
    graph = starter("web-postgres")
    by_id = {n["id"]: n for n in graph["nodes"]}
    assert by_id["db"]["type"] == "statefulset"
    assert by_id["db-svc"]["data"]["serviceType"] == "Headless"
    assert by_id["secret"]["data"]["keys"] == ["password"]  # supplied at run time, not stored
    assert "data" not in by_id["secret"]["data"]
    assert {e["source"] for e in graph["edges"] if e["target"] == "db"} == {"db-svc", "secret",
                                                                            "pvc"}


def test_get_starter_returns_copies() -> None:
    first = starter("static-site")
    first["nodes"].clear()
    assert starter("static-site")["nodes"]
    assert get_starter("missing") is None
