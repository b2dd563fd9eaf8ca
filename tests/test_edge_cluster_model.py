"""EdgeCluster model formulas on hand-drawn graphs (paper 000, sec. 4.1)."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

from edge_envs.edge_cluster import model as M
from edge_envs.edge_cluster.params import SCENARIOS, EdgeClusterParams

# Six nodes on a line y = 1: two chains 0-1-2 and 3-4-5 (2 m apart, range 3 m).
LINE = np.array([[1, 1], [3, 1], [5, 1], [10, 1], [12, 1], [14, 1]], dtype=float)
SERVERS = np.array([[1, 2], [14, 2]], dtype=float)


def make_model(nodes=LINE, servers=SERVERS, vehicles=((3.0, 5.0),), **kw) -> M.EdgeClusterModel:
    params = EdgeClusterParams(
        n_nodes=len(nodes), n_servers=len(servers), n_vehicles=len(vehicles),
        mobility="random-direction", **kw,
    )
    model = M.EdgeClusterModel(params)
    path = np.repeat(np.asarray(vehicles, dtype=float)[None], 3, axis=0)
    model.start(nodes, servers, path)
    return model


def test_unit_disk_graph_edges():
    rows, cols = M.unit_disk_edges(LINE, 3.0)
    pairs = {(int(r), int(c)) for r, c in zip(rows, cols, strict=True)}
    assert pairs == {(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3), (4, 5), (5, 4)}
    # distance exactly equal to the range counts as a link
    r2, _ = M.unit_disk_edges(np.array([[0.0, 0.0], [3.0, 0.0]]), 3.0)
    assert len(r2) == 2


def test_heads_clusters_hops_data_and_reward_by_hand():
    m = make_model()
    s = m.last_score
    assert m.heads.tolist() == [0, 5]
    assert m.labels.tolist() == [0, 0, 0, 1, 1, 1]
    # b_i = sum (in-cluster hops + 1): 1 + 2 + 3 in both clusters
    assert s.hops_per_server.tolist() == [6.0, 6.0]
    assert s.balance_hops == pytest.approx(1.0)
    # vehicle at (3, 5) senses nodes 0, 1, 2 (distances 4.47, 4, 4.47 <= 6 m): 3 KB each
    assert s.node_data_bytes.tolist() == [3000, 3000, 3000, 1000, 1000, 1000]
    assert s.data_per_server.tolist() == [9000.0, 3000.0]
    # Delta = 1/2 [(1 - 3000/6000) + (1 - 3000/6000)] = 0.5
    assert s.balance_data == pytest.approx(0.5)
    assert s.reward == pytest.approx(0.5)
    assert s.disconnected.sum() == 0
    assert s.cluster_sizes.tolist() == [3, 3]
    # head loads: the head forwards d_i per second; 9 kB/s and 3 kB/s are under 10 kB/s
    assert s.head_load_bytes_per_s.tolist() == [9000.0, 3000.0]
    assert s.heads_over_capacity == 0


def test_weight_moves_a_node_and_it_becomes_disconnected():
    m = make_model()
    # node 2 is 4 m from h_0 and 9 m from h_1: joins cluster 1 once 9 / w_1 < 4, w_1 > 2.25
    weights = np.array([1.0, 1.25**3])  # 1.95: not enough
    heads, labels = m.cluster(m.cores, weights)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    weights = np.array([1.0, 1.25**4])  # 2.44
    s = m.evaluate(m.cores, weights, m.vehicle_positions)
    heads, labels = m.cluster(m.cores, weights)
    assert labels.tolist() == [0, 0, 1, 1, 1, 1]
    # node 2's only neighbour (node 1) is in cluster 0: no in-cluster path to h_1 = node 5;
    # penalty = cluster size 4, plus the head-to-server hop -> 5
    assert s.disconnected.tolist() == [False, False, True, False, False, False]
    assert s.disconnected_per_server.tolist() == [0, 1]
    assert s.hops_per_server.tolist() == [3.0, 11.0]
    assert s.balance_hops == pytest.approx(3 / 7)  # mean 7, |dev| 4
    assert s.data_per_server.tolist() == [6000.0, 6000.0]
    assert s.balance_data == pytest.approx(1.0)
    assert s.reward == pytest.approx(3 / 7)


def test_disconnected_penalty_n_nodes():
    m = make_model(disconnected_penalty="n-nodes")
    s = m.evaluate(m.cores, np.array([1.0, 1.25**4]), m.vehicle_positions)
    # node 2 charged M = 6 hops + 1: b = (3, 6 + 7)
    assert s.hops_per_server.tolist() == [3.0, 13.0]
    assert s.balance_hops == pytest.approx(3 / 8)


def test_shrink_has_the_opposite_effect():
    m = make_model()
    # node 3 is 9 m from h_0 and 4 m from h_1: joins cluster 0 once 9 / w_0 < 4 / w_1
    _, labels = m.cluster(m.cores, np.array([1.25**3, 1.0]))  # 4.61 > 4
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    _, labels = m.cluster(m.cores, np.array([1.25**4, 1.0]))  # 3.69 < 4
    assert labels.tolist() == [0, 0, 0, 0, 1, 1]
    # shrinking cluster 1 instead: 9 < 4 / 0.8^3 = 7.8 no, 9 < 4 / 0.8^4 = 9.77 yes
    _, labels = m.cluster(m.cores, np.array([1.0, 0.8**3]))
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    _, labels = m.cluster(m.cores, np.array([1.0, 0.8**4]))
    assert labels.tolist() == [0, 0, 0, 0, 1, 1]


def test_core_actions_move_and_scale():
    p = EdgeClusterParams()
    cores = np.array([[0.5, 7.0], [7.0, 14.6], [3.0, 3.0], [3.0, 3.0], [5.0, 5.0], [5.0, 5.0],
                      [5.0, 5.0]])
    weights = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.26, 3.9])
    actions = np.array([M.LEFT, M.UP, M.DOWN, M.RIGHT, M.STAY, M.SHRINK, M.EXPAND])
    new_c, new_w = M.apply_core_actions(cores, weights, actions, p)
    assert new_c.tolist() == [[0.0, 7.0], [7.0, 15.0], [3.0, 2.0], [4.0, 3.0], [5.0, 5.0],
                              [5.0, 5.0], [5.0, 5.0]]
    # Shrink 0.26 * 0.8 clipped to 0.25, Expand 3.9 * 1.25 clipped to 4
    assert new_w.tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 4.0]
    new_c2, new_w2 = M.apply_core_actions(cores[:1], np.array([1.0]), np.array([M.SHRINK]), p)
    assert new_w2.tolist() == [0.8] and new_c2.tolist() == [[0.5, 7.0]]


def test_distinct_heads_when_two_cores_share_a_nearest_node():
    nodes = np.array([[0.0, 0.0], [5.0, 0.0]])
    assert M.select_heads(nodes, np.array([[1.0, 0.0], [2.0, 0.0]])).tolist() == [0, 1]
    # the closer core keeps the contested node, whatever the order
    assert M.select_heads(nodes, np.array([[2.0, 0.0], [1.0, 0.0]])).tolist() == [1, 0]
    # exact tie: the lower core index wins
    assert M.select_heads(nodes, np.array([[1.0, 0.0], [1.0, 0.0]])).tolist() == [0, 1]
    # a cascade: three cores on one node
    nodes3 = np.array([[0.0, 0.0], [3.0, 0.0], [-4.0, 0.0]])
    heads = M.select_heads(nodes3, np.array([[0.5, 0.0], [0.2, 0.0], [-0.1, 0.0]]))
    # round 1: core 2 (0.1 m) wins node 0; round 2: cores 0 and 1 both want node 1, core 0
    # is closer (2.5 m < 2.8 m); round 3: core 1 takes node 2
    assert heads.tolist() == [1, 2, 0]


def test_mwvc_assignment_ties_and_heads():
    nodes = np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    heads = np.array([0, 2])
    # node 1 is 2 m from both heads: tie to the lower cluster index
    assert M.mwvc_labels(nodes, heads, np.array([1.0, 1.0])).tolist() == [0, 0, 1]
    assert M.mwvc_labels(nodes, heads, np.array([1.0, 1.01])).tolist() == [0, 1, 1]
    # a head always stays in its own cluster, even when another weight dominates
    assert M.mwvc_labels(nodes, heads, np.array([4.0, 0.25])).tolist() == [0, 0, 1]


def test_balance_factor_and_clipping():
    assert M.balance_factor([5, 5, 5]) == pytest.approx(1.0)
    assert M.balance_factor([1, 1, 10]) == pytest.approx(0.0)  # mean 4, mean |dev| 4
    assert M.balance_factor([1, 1, 1, 13]) == pytest.approx(-0.125)
    # Three clusters where both factors are negative: the paper's product would be positive.
    nodes = np.array([[1, 1], [1, 5], [5, 1], [10, 1], [12, 1], [14, 1]], dtype=float)
    servers = np.array([[1, 1], [1, 5], [14, 1]], dtype=float)
    labels = np.array([0, 1, 2, 2, 2, 2])
    raw = make_model(nodes, servers, vehicles=((12.0, 1.0),), sensing_ratio=4.0,
                     clip_factors=False)
    s = raw.score_labelling(labels)
    # b = (1, 1, 1 + 2 + 3 + (4 + 1)) = (1, 1, 11) -> Gamma = 1 - (40/9)/(13/3) = -1/39
    assert s.hops_per_server.tolist() == [1.0, 1.0, 11.0]
    assert s.balance_hops_raw == pytest.approx(-1 / 39)
    # d = (1000, 1000, 1000 + 3 * 4000) -> Delta = 1 - (16000/3)/5000 = -1/15
    assert s.data_per_server.tolist() == [1000.0, 1000.0, 13000.0]
    assert s.balance_data_raw == pytest.approx(-1 / 15)
    assert s.reward == pytest.approx(1 / 585)
    clipped = make_model(nodes, servers, vehicles=((12.0, 1.0),), sensing_ratio=4.0)
    c = clipped.score_labelling(labels)
    assert c.balance_hops == 0.0 and c.balance_data == 0.0 and c.reward == 0.0
    assert c.balance_hops_raw == pytest.approx(-1 / 39)


def test_sensing_range_is_inclusive_and_any_vehicle_counts():
    nodes = np.array([[0.0, 0.0], [6.0, 0.0], [6.01, 0.0], [14.0, 14.0]])
    sensed = M.sensing_nodes(nodes, np.array([[0.0, 0.0], [14.0, 13.0]]), 6.0)
    assert sensed.tolist() == [True, True, False, True]
    p = EdgeClusterParams(sensing_ratio=2.0, standard_msg_bytes=500.0)
    assert M.node_data_bytes(sensed, p).tolist() == [1000.0, 1000.0, 500.0, 1000.0]


def test_labelling_is_scored_by_the_same_code():
    m = make_model()
    same = m.score_labelling(m.labels)
    assert same.reward == m.last_score.reward
    assert same.hops_per_server.tolist() == m.last_score.hops_per_server.tolist()
    s = m.score_labelling(np.array([0, 0, 1, 1, 1, 1]))
    assert s.hops_per_server.tolist() == [3.0, 11.0]  # same as the weight case above
    m.set_labelling(np.array([0, 0, 1, 1, 1, 1]))
    assert m.labels.tolist() == [0, 0, 1, 1, 1, 1] and m.heads.tolist() == [0, 5]
    assert m.last_score.reward == pytest.approx(3 / 7)
    # an empty cluster is allowed: it counts 0 hops and 0 bytes
    e = m.score_labelling(np.zeros(6, dtype=int))
    assert e.cluster_sizes.tolist() == [6, 0] and e.hops_per_server[1] == 0.0
    with pytest.raises(ValueError, match="labelling"):
        m.set_labelling(np.array([0, 0, 2, 1, 1, 1]))
    with pytest.raises(ValueError, match="labelling"):
        m.set_labelling(np.zeros(5, dtype=int))
    m.set_labelling(None)
    assert m.labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_heads_for_labelling_match_select_heads_on_mwvc():
    rng = np.random.default_rng(3)
    nodes = rng.uniform(0, 15, (60, 2))
    cores = rng.uniform(0, 15, (5, 2))
    heads = M.select_heads(nodes, cores)
    labels = M.mwvc_labels(nodes, heads, rng.uniform(0.5, 2, 5))
    assert M.heads_for_labelling(nodes, labels, cores).tolist() == heads.tolist()


def test_cluster_graph_matches_networkx_bfs():
    import networkx as nx

    rng = np.random.default_rng(7)
    nodes = rng.uniform(0, 15, (70, 2))
    heads = M.select_heads(nodes, rng.uniform(0, 15, (4, 2)))
    labels = M.mwvc_labels(nodes, heads, np.array([1.0, 2.0, 0.5, 1.0]))
    rows, cols = M.unit_disk_edges(nodes, 3.0)
    dist = M.in_cluster_hops(rows, cols, 70, labels, heads)
    g = nx.Graph()
    g.add_nodes_from(range(70))
    g.add_edges_from((int(r), int(c)) for r, c in zip(rows, cols, strict=True)
                     if labels[r] == labels[c])
    for v in range(70):
        h = int(heads[labels[v]])
        expect = nx.shortest_path_length(g, h, v) if nx.has_path(g, h, v) else np.inf
        assert dist[v] == expect


def test_model_modules_do_not_import_gym_or_torch():
    root = pathlib.Path(M.__file__).parent
    for name in ("model.py", "mobility.py", "traces.py", "params.py", "observation.py",
                 "baselines.py"):
        tree = ast.parse((root / name).read_text())
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                    for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.module}
        assert not imported & {"gymnasium", "gym", "pettingzoo", "torch"}, name


def test_paper_scenarios():
    s = SCENARIOS
    assert (s["fixed-route-80x4"].n_nodes, s["fixed-route-80x4"].n_servers) == (80, 4)
    assert s["fixed-route-80x4"].mobility == "two-point"
    assert s["random-direction-20x3"].mobility == "random-direction"
    assert (s["random-reflection-20x3-3v"].n_vehicles, s["random-reflection-20x3"].n_vehicles) \
        == (3, 1)
    assert [s[f"servers-{k}"].n_servers for k in (2, 3, 4)] == [2, 3, 4]
    assert {s[f"servers-{k}"].n_nodes for k in (2, 3, 4)} == {80}
    assert [s[f"nodes-{k}"].n_nodes for k in (20, 40, 80)] == [20, 40, 80]
    assert [s[f"snst-{k}"].sensing_ratio for k in (2, 3, 4)] == [2.0, 3.0, 4.0]
    assert {(s[f"snst-{k}"].n_nodes, s[f"snst-{k}"].n_servers) for k in (2, 3, 4)} == {(20, 4)}
    w = s["warehouse-80x4"]
    assert (w.area_m, w.comm_range_m, w.sensing_range_m, w.standard_msg_bytes,
            w.sensing_msg_bytes, w.link_bytes_per_s, w.episode_steps) == (
        15.0, 3.0, 6.0, 1000.0, 3000.0, 10_000.0, 200)
    assert (w.shrink_factor, w.expand_factor, w.core_step_m) == (0.8, 1.25, 1.0)


@pytest.mark.parametrize(
    "field,value",
    [("n_nodes", 0), ("n_servers", 0), ("n_servers", 99), ("area_m", -1.0),
     ("comm_range_m", 0.0), ("sensing_ratio", 0.5), ("mobility", "teleport"),
     ("trace_split", "val"), ("episode_steps", 0), ("weight_min", 2.0), ("weight_max", 0.1),
     ("shrink_factor", 1.5), ("expand_factor", 0.9), ("action_mode", "both"),
     ("disconnected_penalty", "none"), ("n_vehicles", 0), ("trace_train_fraction", 0.0),
     ("clip_factors", "yes"), ("link_bytes_per_s", 0.0)],
)
def test_bad_params_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        EdgeClusterParams(**{field: value})
