"""s2hand.models"""
