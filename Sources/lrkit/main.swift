import LRKitCLI

LRKitCommand.main()
