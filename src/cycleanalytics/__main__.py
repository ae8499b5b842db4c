from cycleanalytics.cli import main

main()
