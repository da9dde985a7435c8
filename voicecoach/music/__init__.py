"""The runner's own music under the session: found, decoded, leveled, ducked, ticked."""
