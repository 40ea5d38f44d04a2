package web

import "github.com/labstack/echo/v4"

// Handlers still being written; each moves to its own file.
func (s *Server) homeRedirect(c echo.Context) error    { return echo.ErrNotImplemented }
func (s *Server) dashboardShow(c echo.Context) error   { return echo.ErrNotImplemented }
func (s *Server) productsExport(c echo.Context) error  { return echo.ErrNotImplemented }
func (s *Server) segmentsShow(c echo.Context) error    { return echo.ErrNotImplemented }
func (s *Server) productRowShow(c echo.Context) error  { return echo.ErrNotImplemented }
func (s *Server) segmentsExport(c echo.Context) error  { return echo.ErrNotImplemented }
func (s *Server) productShow(c echo.Context) error     { return echo.ErrNotImplemented }
func (s *Server) apiProductsList(c echo.Context) error { return echo.ErrNotImplemented }
func (s *Server) apiSegmentsList(c echo.Context) error { return echo.ErrNotImplemented }
