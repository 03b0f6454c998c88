"""Graph JSON: save -> load is identity; every problem is reported with its place."""
import json

import pytest

from components.errors import GraphFormatError
from components.serialize import graph_from_dict, graph_to_dict
from helpers import chain


def sample():
    doc = chain(("Input", {"height": 64, "width": 64}), ("Convolution", {"filters": 4}),
                ("Target", {"classes": 4}), ids=["input", "conv1", "target"])
    doc.add_frame("Body", ["conv1"])
    return doc


def test_round_trip_is_identity():
    data = graph_to_dict(sample())
    again = graph_to_dict(graph_from_dict(json.loads(json.dumps(data))))
    assert again == data


def test_subset_keeps_only_inner_wires():
    data = graph_to_dict(sample(), ["conv1", "target"])
    assert [n["id"] for n in data["nodes"]] == ["conv1", "target"]
    assert data["edges"] == [{"source": "conv1", "source_port": "out",
                              "target": "target", "target_port": "in"}]


def problems_of(data):
    with pytest.raises(GraphFormatError) as error:
        graph_from_dict(data)
    return error.value.problems


def test_every_problem_is_reported_with_its_place():
    data = graph_to_dict(sample())
    data["nodes"].append({"id": "conv1", "type": "Convolution"})               # duplicate id
    data["nodes"].append({"id": "x", "type": "Conv2d"})                        # unknown type
    data["nodes"].append({"id": "y", "type": "Pooling", "settings": {"sise": 2}})  # unknown setting
    data["nodes"].append({"id": "z", "type": "Pooling", "settings": {"size": 0}})  # bad value
    data["nodes"].append({"id": "w", "type": "Pooling", "colour": "red"})      # unknown key
    data["edges"].append({"source": "ghost", "source_port": "out",
                          "target": "target", "target_port": "in"})            # dangling
    data["edges"].append({"source": "input", "source_port": "out",
                          "target": "target", "target_port": "in"})            # port wired twice
    problems = problems_of(data)
    text = "\n".join(problems)
    assert len(problems) == 7, text
    assert "graph.nodes[3] (node 'conv1'): duplicate node id 'conv1'" in text
    assert "graph.nodes[4] (node 'x'): unknown component type 'Conv2d'" in text
    assert "graph.nodes[5] (node 'y'): Pooling setting 'sise': unknown setting" in text
    assert "graph.nodes[6] (node 'z'): Pooling setting 'size': got 0" in text
    assert "graph.nodes[7] (node 'w'): unknown key 'colour'" in text
    assert "graph.edges[2]: source 'ghost' is not a node in this graph" in text
    assert "graph.edges[3] (input.out -> target.in): that input already has a wire" in text


def test_structural_problems():
    assert problems_of([]) == ["graph: expected an object with 'nodes' and 'edges'"]
    assert "graph: missing 'edges'" in problems_of({"nodes": []})
    assert "graph.nodes: expected a list" in problems_of({"nodes": {}, "edges": []})
    bad_edge = {"nodes": [], "edges": [{"source": 1}]}
    assert any("'source' must be a string" in p for p in problems_of(bad_edge))
    reversed_edge = graph_to_dict(sample())
    reversed_edge["edges"][0] = {"source": "conv1", "source_port": "in",
                                 "target": "input", "target_port": "out"}
    assert any("swap source and target" in p for p in problems_of(reversed_edge))
