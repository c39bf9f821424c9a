"""Unit tests of the field-level diff used by ClusterClient.diff (no cluster needed)."""

from deployments.cluster.diffing import comparable, diff_objects, field_changes


def test_paths_name_nested_fields_list_items_and_dotted_keys() -> None:
    old = {"spec": {"replicas": 1, "containers": [{"image": "a:1"}]}, "metadata": {"labels": {}}}
    new = {
        "spec": {"replicas": 3, "containers": [{"image": "a:2"}]},
        "metadata": {"labels": {"app.kubernetes.io/name": "web"}},
    }
    changes = {c.path: (c.old, c.new) for c in field_changes(old, new)}
    assert changes == {
        "spec.replicas": (1, 3),
        "spec.containers[0].image": ("a:1", "a:2"),
        'metadata.labels["app.kubernetes.io/name"]': (None, "web"),
    }


def test_lists_of_different_length_change_as_a_whole() -> None:
    (change,) = field_changes({"ports": [1]}, {"ports": [1, 2]})
    assert change.path == "ports" and change.old == [1] and change.new == [1, 2]


def test_server_bookkeeping_is_ignored() -> None:
    live = {
        "metadata": {
            "name": "x",
            "resourceVersion": "5",
            "managedFields": [{}],
            "uid": "u",
            "generation": 2,
            "creationTimestamp": "2024-01-01T00:00:00Z",
        },
        "status": {"readyReplicas": 1},
        "spec": {"replicas": 1},
    }
    desired = {"metadata": {"name": "x", "resourceVersion": "6"}, "spec": {"replicas": 1}}
    assert comparable(live) == comparable(desired)
    assert diff_objects(live, desired) == ("unchanged", [])


def test_create_lists_every_new_leaf() -> None:
    action, changes = diff_objects(None, {"metadata": {"name": "x"}, "data": {"k": "v"}})
    assert action == "create"
    assert {c.path for c in changes} == {"metadata.name", "data.k"}
