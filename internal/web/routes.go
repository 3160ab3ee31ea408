package web

import "vanguard/internal/server"

// registerOrgPages adds the pages of organizations, people and access. The server's
// guard only knows "signed in" and "system administrator"; the right each route needs on
// an organization is written beside it and asked by the handler through org.Service.Can
// (or member.Service.CanSee/CanManage for a person), with the answer the package comment
// of access.go describes: outside View scope 404, inside without the right 403.
func (h *Handlers) registerOrgPages(srv *server.Server) {
	// The tree.
	srv.HandleFunc("GET /orgs", server.SignedIn, h.orgTree)                                // roots of the caller's View scope
	srv.HandleFunc("POST /orgs", server.Admin, h.createRoot)                               // system administrator: a new tree
	srv.HandleFunc("GET /orgs/search", server.SignedIn, h.orgSearch)                       // searches inside View scope only
	srv.HandleFunc("GET /orgs/{id}", server.SignedIn, h.orgPage)                           // View on {id}
	srv.HandleFunc("POST /orgs/{id}/children", server.SignedIn, h.createChild)             // Administer on {id}
	srv.HandleFunc("POST /orgs/{id}/rename", server.SignedIn, h.renameOrg)                 // Administer on {id}
	srv.HandleFunc("POST /orgs/{id}/move", server.SignedIn, h.moveOrg)                     // Administer on {id} and on the new parent
	srv.HandleFunc("POST /orgs/{id}/dissolve", server.SignedIn, h.dissolveOrg)             // Administer on {id}
	srv.HandleFunc("POST /orgs/{id}/posts", server.SignedIn, h.appoint)                    // Manage on {id}; the person in View scope
	srv.HandleFunc("POST /orgs/{id}/posts/{post}/end", server.SignedIn, h.endPost)         // Manage on {id}
	srv.HandleFunc("POST /orgs/{id}/grants", server.SignedIn, h.grantRole)                 // Administer on {id}
	srv.HandleFunc("POST /orgs/{id}/grants/{grant}/revoke", server.SignedIn, h.revokeRole) // Administer on {id}

	// Rosters and development.
	srv.HandleFunc("GET /orgs/{id}/people", server.SignedIn, h.roster)            // View on {id}
	srv.HandleFunc("POST /orgs/{id}/people", server.SignedIn, h.addPerson)        // Manage on {id}
	srv.HandleFunc("GET /orgs/{id}/people.xlsx", server.SignedIn, h.exportRoster) // View on {id}; unmasked with Manage
	srv.HandleFunc("GET /orgs/{id}/development", server.SignedIn, h.development)  // View on {id}

	// People.
	srv.HandleFunc("GET /me", server.SignedIn, h.me)                                     // the caller's own record
	srv.HandleFunc("GET /people/{id}", server.SignedIn, h.personPage)                    // own record, or View on the person's organization
	srv.HandleFunc("POST /people/{id}/reveal", server.SignedIn, h.reveal)                // Manage on the person's organization
	srv.HandleFunc("POST /people/{id}/transitions", server.SignedIn, h.recordTransition) // Manage on the person's organization
	srv.HandleFunc("POST /people/{id}/links", server.SignedIn, h.addLink)                // Manage; the other person in View scope
	srv.HandleFunc("POST /people/{id}/preparation", server.SignedIn, h.prepare)          // Manage on the person's organization
	srv.HandleFunc("POST /people/{id}/transfers", server.SignedIn, h.issueTransfer)      // Manage on the person's organization

	// Roster import.
	srv.HandleFunc("GET /people/import", server.SignedIn, h.importForm)                      // Manage on some organization
	srv.HandleFunc("POST /people/import", server.SignedIn, h.uploadRoster)                   // Manage on some; rows only into Manage scope
	srv.HandleFunc("POST /people/import/{upload}/confirm", server.SignedIn, h.confirmImport) // the account that uploaded

	// Alliances and transfers.
	srv.HandleFunc("GET /alliances", server.SignedIn, h.alliances)                     // alliances with a member in View scope
	srv.HandleFunc("GET /alliances/{id}", server.SignedIn, h.alliance)                 // a member in View scope
	srv.HandleFunc("GET /transfers", server.SignedIn, h.transfers)                     // letters into or out of Manage scope
	srv.HandleFunc("POST /transfers/{id}/receive", server.SignedIn, h.receiveTransfer) // Manage on the receiving organization
	srv.HandleFunc("POST /transfers/{id}/cancel", server.SignedIn, h.cancelTransfer)   // Manage on the sending organization
}
