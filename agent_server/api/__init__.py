"""The two doors onto SimulacraService: gRPC (grpc_server.py) and the WebSocket
gateway (gateway.py). Both are driven by the same method table (methods.py), read
from the proto service descriptor, so a new RPC needs no code in either door."""
