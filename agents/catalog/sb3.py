"""Stable-Baselines3 algorithms through the adapter (agents.sb3).

Each algorithm declares the kind of action space it needs and runs on every system whose
``System.action_views`` offers it: PPO and A2C on the native space of any system (Box,
Discrete, MultiDiscrete); DQN needs ``"discrete"`` (e.g. EdgeCluster's one-core-per-step view);
SAC, TD3 and DDPG need ``"box"`` (e.g. LargeScaleMEC's continuous offloading-score view).

Hyper-parameters come from ``agents/hyperparams/<algo>.yml`` per env id and scenario (the
factory reads them, :func:`agents.sb3.resolve_config`); a config given on the command line
deep-merges over them. The catalog holds no hyper-parameters: a config here would sit above the
file's entry and hide it.
"""

from agents.registry import AgentSpec

AGENTS = [
    AgentSpec(
        name="sb3-ppo",
        factory="agents.sb3:ppo",
        kind="sb3",
        description="Stable-Baselines3 PPO (hyper-parameters: agents/hyperparams/ppo.yml)",
    ),
    AgentSpec(
        name="sb3-a2c",
        factory="agents.sb3:a2c",
        kind="sb3",
        description="Stable-Baselines3 A2C, the actor-critic comparison "
        "(hyper-parameters: agents/hyperparams/a2c.yml)",
    ),
    AgentSpec(
        name="sb3-dqn",
        factory="agents.sb3:dqn",
        kind="sb3",
        action_space="discrete",
        description="Stable-Baselines3 DQN on the system's Discrete action view",
    ),
    AgentSpec(
        name="sb3-sac",
        factory="agents.sb3:sac",
        kind="sb3",
        action_space="box",
        description="Stable-Baselines3 SAC on the system's continuous (Box) action view",
    ),
    AgentSpec(
        name="sb3-td3",
        factory="agents.sb3:td3",
        kind="sb3",
        action_space="box",
        description="Stable-Baselines3 TD3 on the system's continuous (Box) action view",
    ),
    AgentSpec(
        name="sb3-ddpg",
        factory="agents.sb3:ddpg",
        kind="sb3",
        action_space="box",
        description="Stable-Baselines3 DDPG on the system's continuous (Box) action view",
    ),
]
