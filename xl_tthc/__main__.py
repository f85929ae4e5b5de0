from xl_tthc.cli import main

raise SystemExit(main())
