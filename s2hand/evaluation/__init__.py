"""s2hand.evaluation"""
