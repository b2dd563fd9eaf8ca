"""Distributed and centralised double DQN of paper 001 (sec. IV, Algorithms 1 and 2) for
OffloadSAP-v0.

* :mod:`agents.distributed_ddqn.config`: the hyper-parameters, one validated dataclass;
* :mod:`agents.distributed_ddqn.gan`: the small tabular GAN that fills the augmented replay
  memory when devices upload only one experience in ``k``;
* :mod:`agents.distributed_ddqn.agent`: the cloud learner, the devices' copies of its
  evaluation network and the control-link traffic, behind :class:`agents.base.Agent`.

See ``docs/agents/distributed-ddqn.md``.
"""
