from empath_desktop.app import main

raise SystemExit(main())
