"""The DRL agents of paper 001 (OffloadSAP-v0): distributed DDQN, its GAN-augmented variants
and the centralised DDQN (docs/agents/distributed-ddqn.md)."""

from agents.registry import AgentSpec

_ENVS = ("OffloadSAP-v0",)
_MODULE = "agents.distributed_ddqn.agent"
# Where decisions are made is a property of the architecture, so each agent fixes it.
_DEVICE = {"OffloadSAP-v0": {"decision_site": "device"}}
_CLOUD = {"OffloadSAP-v0": {"decision_site": "cloud"}}

AGENTS = [
    AgentSpec(
        name="distributed-ddqn",
        factory=f"{_MODULE}:DistributedDDQNAgent",
        kind="paper",
        envs=_ENVS,
        env_kwargs=_DEVICE,
        description="cloud-trained double DQN, devices decide with their copy (paper 001, "
        "Algorithms 1-2)",
    ),
    *(
        AgentSpec(
            name=f"distributed-ddqn-gan{k}",
            factory=f"{_MODULE}:DistributedDDQNAgent",
            kind="paper",
            envs=_ENVS,
            env_kwargs=_DEVICE,
            config={"gan_k": k},
            description=f"distributed DDQN, devices upload 1 experience in {k}, a tabular GAN "
            "fills the ARM",
        )
        for k in (2, 5, 10)
    ),
    AgentSpec(
        name="centralised-ddqn",
        factory=f"{_MODULE}:CentralisedDDQNAgent",
        kind="paper",
        envs=_ENVS,
        env_kwargs=_CLOUD,
        description="the same double DQN deciding in the cloud (decision_site='cloud')",
    ),
]
