"""The radcds service runtime: imported by every service, never run on its own."""
