"""D3QN, the LSTM mobility predictor, L-D3QN and LL-D3QN of paper 000 (sec. 4).

* :mod:`agents.d3qn.network`: the dueling Q-network (eq. 3) and the double-DQN target
  (eqs. 4-5), one Q-head per cluster-core;
* :mod:`agents.d3qn.replay`: the experience replay;
* :mod:`agents.d3qn.predictor`: the LSTM next-direction predictor (sec. 4.2, Table 2);
* :mod:`agents.d3qn.expected`: eq. 6 expected-Q action selection;
* :mod:`agents.d3qn.agent`: the three agents behind :class:`agents.base.Agent`.
"""
