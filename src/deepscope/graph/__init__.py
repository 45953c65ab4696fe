"""Model structure: module trees and summary tables (the graph IR arrives with the graph view)."""
