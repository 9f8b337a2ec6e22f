from oretrust.cli import main

main()
