"""D3QN, the LSTM mobility predictor, L-D3QN and LL-D3QN of paper 000 (sec. 4).

* :mod:`agents.d3qn.config`: the hyper-parameters, one validated dataclass (Table 2);
* :mod:`agents.d3qn.network`: the double-DQN target (eqs. 4-5) and :class:`QNetworks`, the
  interface of a network type;
* :mod:`agents.d3qn.dueling`: the paper's network type, a dueling Q-network (eq. 3) with one
  Q-head per cluster-core;
* :mod:`agents.d3qn.afterstate`: our network type, one shared network scoring each one-core
  move's outcome;
* :mod:`agents.d3qn.replay`: the experience replay;
* :mod:`agents.d3qn.predictor`: the LSTM next-direction predictor (sec. 4.2, Table 2);
* :mod:`agents.d3qn.mobility`: LSTM roll-outs as a vehicle path for LL-D3QN's training env;
* :mod:`agents.d3qn.expected`: eq. 6 expected-Q action selection;
* :mod:`agents.d3qn.agent`: the three agents behind :class:`agents.base.Agent`.
"""
