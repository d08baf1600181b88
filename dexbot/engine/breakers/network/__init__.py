"""Chain and RPC breakers (category ``chain``): is what the node tells us trustworthy and current?"""
