"""The agents of paper 002 on SingleCellMEC-v0: DTOMALB, its DTOMA ablation and the two DQN
comparisons of Fig. 5 (docs/agents/dtomalb.md)."""

from agents.registry import AgentSpec

ENV_ID = "SingleCellMEC-v0"
_ENVS = (ENV_ID,)

AGENTS = [
    AgentSpec(
        name="dtomalb",
        factory="agents.dtomalb:DTOMALBAgent",
        kind="paper",
        envs=_ENVS,
        description="DTOMALB (paper 002): MADDPG with Gumbel-softmax, one actor per user on "
        "its own observation, centralised critics, load-balanced reward",
    ),
    AgentSpec(
        name="dtoma",
        factory="agents.dtomalb:DTOMALBAgent",
        kind="paper",
        envs=_ENVS,
        # Trained and evaluated with w2 = 0: its leaderboard score is on the reward without
        # the load-balance term, not comparable to the others' (docs/agents/dtomalb.md).
        env_kwargs={ENV_ID: {"w2": 0.0}},
        description="DTOMA (paper 002's ablation): DTOMALB trained and scored with w2 = 0 "
        "(no load-balance term; its score is on that reward)",
    ),
    AgentSpec(
        name="idql-tolb",
        factory="agents.dtomalb:IDQLTOLBAgent",
        kind="paper",
        envs=_ENVS,
        description="IDQL-TOLB (paper 002, Fig. 5): an independent DQN per user on its own "
        "observation and load-balanced reward",
    ),
    AgentSpec(
        name="dqn-tolb",
        factory="agents.dtomalb:DQNTOLBAgent",
        kind="paper",
        envs=_ENVS,
        description="DQN-TOLB (paper 002, Fig. 5): one centralised DQN, one output head of "
        "M+1 values per user (the flat joint output is intractable)",
    ),
]
